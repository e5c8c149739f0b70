-- Before this, adding someone made them a member at once and their invite link only set a
-- password (issue #15, item 1). From now on an invitation carries the role and the membership
-- is created when it is accepted. Existing data is brought to that model:
--
-- 1. Unused links of accounts that already have a password only ever reset that password: they die.
DELETE FROM `invites` WHERE `used_at` IS NULL AND `user_id` IN (SELECT `id` FROM `users` WHERE `password_hash` IS NOT NULL);
--> statement-breakpoint
-- 2. A member who never set a password was still pending: their unused link becomes the invitation, with their role...
UPDATE `invites` SET `role` = (
  SELECT m.`role` FROM `memberships` m WHERE m.`org_id` = `invites`.`org_id` AND m.`user_id` = `invites`.`user_id`
) WHERE `used_at` IS NULL AND EXISTS (
  SELECT 1 FROM `memberships` m WHERE m.`org_id` = `invites`.`org_id` AND m.`user_id` = `invites`.`user_id`
);
--> statement-breakpoint
-- ... and one without an unused link gets an invitation whose link is already expired (an owner sends a new one).
INSERT INTO `invites` (`id`, `org_id`, `user_id`, `role`, `sets_password`, `token_hash`, `expires_at`, `created_at`)
SELECT 'inv_' || lower(hex(randomblob(12))), m.`org_id`, m.`user_id`, m.`role`, 0, lower(hex(randomblob(32))),
       CAST(strftime('%s', 'now') AS INTEGER) * 1000, m.`created_at`
  FROM `memberships` m JOIN `users` u ON u.`id` = m.`user_id`
 WHERE u.`password_hash` IS NULL
   AND NOT EXISTS (SELECT 1 FROM `invites` i WHERE i.`org_id` = m.`org_id` AND i.`user_id` = m.`user_id` AND i.`used_at` IS NULL);
--> statement-breakpoint
-- 3. Only one link per account may set its first password: the oldest one (normally the org that created the account).
UPDATE `invites` SET `sets_password` = 1 WHERE `id` IN (
  SELECT (SELECT i.`id` FROM `invites` i WHERE i.`user_id` = u.`id` AND i.`used_at` IS NULL ORDER BY i.`created_at`, i.`id` LIMIT 1)
    FROM `users` u WHERE u.`password_hash` IS NULL
);
--> statement-breakpoint
-- 4. Pending people are no longer members anywhere (nor product admins) until they accept.
DELETE FROM `product_admins` WHERE `user_id` IN (SELECT `id` FROM `users` WHERE `password_hash` IS NULL);
--> statement-breakpoint
DELETE FROM `memberships` WHERE `user_id` IN (SELECT `id` FROM `users` WHERE `password_hash` IS NULL);
