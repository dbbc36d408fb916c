-- Reserved on the branch i13-tech for another branch's migration 0005 (issue 13):
-- delete this file when that migration is merged.
SELECT 1;
