import { OPTIONAL_FIELDS } from "./codec.js";
import { luaScript } from "./connection.js";

const CLEAR_OPTIONAL = OPTIONAL_FIELDS.map((f) => `'${f}'`).join(", ");

/**
 * The one write script (schema 1): a guarded compare-and-set. The decision (mergeJoin,
 * applyUpdate, markRemoved) is made in TypeScript; the script only re-checks what it
 * depended on — the stored version and, for a join, the revocation watermark — then writes
 * the record, the indexes and the event in one atomic step, so no instance can interleave.
 *
 * KEYS: 1 participant hash, 2 room's active zset, 3 revoked hash, 4 admin hash, 5 event stream.
 * ARGV: 1 mode (join|update|remove|revoke), 2 expected version, 3 identity, 4 participant field,
 * 5 issue second of a join token ("" = none: refused by any watermark), 6 watermark to raise to
 * ("" = none), 7 stream MAXLEN, 8 origin instance, 9 encoded admin permission set by this write
 * ("" = none; stamped with Redis TIME), 10.. record fields and values.
 * Returns {"ok", version, watermark or "", admin permission second or ""}, {"conflict"}, {"missing"} or {"revoked"}.
 */
export const WRITE_SCRIPT = luaScript(`
local mode = ARGV[1]
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
local w = redis.call('HGET', KEYS[3], ARGV[4])
if mode == 'join' and w then
  if ARGV[5] == '' or math.floor(tonumber(ARGV[5])) <= tonumber(w) then return {'revoked'} end
end
if mode == 'update' or mode == 'remove' then
  if cur == 0 then return {'missing'} end
end
if mode ~= 'revoke' and cur ~= tonumber(ARGV[2]) then return {'conflict'} end
if ARGV[6] ~= '' then
  local through = tonumber(ARGV[6])
  if (not w) or tonumber(w) < through then
    w = ARGV[6]
    redis.call('HSET', KEYS[3], ARGV[4], w)
  end
end
local version = cur
local cause = 'revoked'
if mode ~= 'revoke' then
  version = cur + 1
  redis.call('HDEL', KEYS[1], ${CLEAR_OPTIONAL})
  local fields = {}
  for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], 'v', tostring(version), unpack(fields))
  if ARGV[9] ~= '' then
    local t = redis.call('TIME')
    redis.call('HSET', KEYS[1], 'ap', ARGV[9], 'ap_at', t[1])
  end
  if redis.call('HGET', KEYS[1], 'admin') == '1' then
    redis.call('HSET', KEYS[4], ARGV[4], '1')
  else
    redis.call('HDEL', KEYS[4], ARGV[4])
  end
  if redis.call('HGET', KEYS[1], 'state') == 'active' then
    redis.call('ZADD', KEYS[2], 0, ARGV[3])
  else
    redis.call('ZREM', KEYS[2], ARGV[3])
  end
  if mode == 'join' then cause = 'joined' elseif mode == 'update' then cause = 'updated' else cause = 'removed' end
end
local entry = {'c', cause, 'v', tostring(version), 'o', ARGV[8], 'f', ARGV[4]}
if w then entry[#entry + 1] = 'w'; entry[#entry + 1] = tostring(w) end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[7], '*', unpack(entry))
return {'ok', tostring(version), w and tostring(w) or '', redis.call('HGET', KEYS[1], 'ap_at') or ''}
`);
