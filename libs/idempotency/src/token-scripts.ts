/**
 * The token's state machine, one Lua script per transition, so that each transition is atomic in Redis and
 * decided by Redis's own clock (TIME), never by the caller's. The token is a hash:
 *   customer  the customer it was issued for (a token is bound to one customer)
 *   state     new | processing | done
 *   hash      request fingerprint, set when the first request takes the token
 *   lease     ms since epoch (Redis clock) until which a processing request owns the token
 *   response  the stored answer, once done
 * States are kept, never deleted on use: a client that timed out can still learn
 * the outcome by retrying with the same key.
 */

/** KEYS[1]=token key; ARGV: customer, ttlMs. Returns 1 when issued, 0 on a (practically impossible) id clash. */
export const ISSUE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'customer', ARGV[1], 'state', 'new')
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/**
 * new -> processing. KEYS[1]=token key; ARGV: customer, request hash, lease ms.
 * Returns {outcome, response?}: unknown | wrong_customer | started | in_flight | mismatch | replay.
 * A processing token whose lease ran out (its request crashed) is taken over by a retry with the same body.
 */
export const BEGIN_SCRIPT = `
local t = redis.call('HMGET', KEYS[1], 'customer', 'state', 'hash', 'lease', 'response')
local customer, state, hash, lease, response = t[1], t[2], t[3], t[4], t[5]
if not state then return {'unknown'} end
if customer ~= ARGV[1] then return {'wrong_customer'} end
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local leaseMs = tonumber(ARGV[3])
if state == 'new' then
  redis.call('HSET', KEYS[1], 'state', 'processing', 'hash', ARGV[2], 'lease', nowMs + leaseMs)
  if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], leaseMs) end
  return {'started'}
end
if hash ~= ARGV[2] then return {'mismatch'} end
if state == 'done' then return {'replay', response} end
if nowMs < tonumber(lease) then return {'in_flight'} end
redis.call('HSET', KEYS[1], 'lease', nowMs + leaseMs)
if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], leaseMs) end
return {'started'}
`;

/**
 * processing -> done + response. KEYS[1]=token key; ARGV: request hash, response JSON, retention ms.
 * Returns {outcome, response?}: completed | already_done (with the response stored first) | unknown | not_owner.
 */
export const COMPLETE_SCRIPT = `
local t = redis.call('HMGET', KEYS[1], 'state', 'hash', 'response')
local state, hash, response = t[1], t[2], t[3]
if not state then return {'unknown'} end
if hash ~= ARGV[1] then return {'not_owner'} end
if state == 'done' then return {'already_done', response} end
if state ~= 'processing' then return {'not_owner'} end
redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2])
redis.call('HDEL', KEYS[1], 'lease')
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return {'completed'}
`;

/**
 * processing -> new, when the request failed before writing anything (bad sku, unknown customer, inventory
 * down): the client may retry with the same key. KEYS[1]=token key; ARGV: request hash.
 * Returns released | unknown | not_owner.
 */
export const RELEASE_SCRIPT = `
local t = redis.call('HMGET', KEYS[1], 'state', 'hash')
if not t[1] then return 'unknown' end
if t[1] ~= 'processing' or t[2] ~= ARGV[1] then return 'not_owner' end
redis.call('HSET', KEYS[1], 'state', 'new')
redis.call('HDEL', KEYS[1], 'hash', 'lease')
return 'released'
`;

/**
 * Extends the lease of a request that is still running. KEYS[1]=token key; ARGV: request hash, lease ms.
 * Returns renewed | unknown | not_owner (finished, released, or never this body's).
 */
export const RENEW_SCRIPT = `
local t = redis.call('HMGET', KEYS[1], 'state', 'hash')
if not t[1] then return 'unknown' end
if t[1] ~= 'processing' or t[2] ~= ARGV[1] then return 'not_owner' end
local now = redis.call('TIME')
local leaseMs = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'lease', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + leaseMs)
if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], leaseMs) end
return 'renewed'
`;
