-- Reserved on the branch i13-tech for another branch's migration 0004 (issue 13):
-- delete this file when that migration is merged.
SELECT 1;
