-- Reserved for the supervision pages' migration (issue 13, branch
-- i13-supervise), which replaces this file when the branches are merged:
-- the complaint handlers' 0005 needs a 0004 before it.
SELECT 1;
