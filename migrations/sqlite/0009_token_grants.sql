-- Tokens issued together, and the pairs refreshed from them, share a grant: revoking the
-- grant's refresh token revokes its access tokens too (RFC 7009 §2.1). Tokens issued before
-- this migration are each a grant of their own.
ALTER TABLE oauth_tokens ADD COLUMN grant_id TEXT;
UPDATE oauth_tokens SET grant_id = token_hash;
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
