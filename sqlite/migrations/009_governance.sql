-- governance: this capability's tables; the file is held in place so the numbers
-- of the capabilities built in parallel never collide or leave a gap.
SELECT 1;
