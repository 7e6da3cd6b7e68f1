/**
 * The Redis side of the history, one script per operation so each is atomic. Per room three
 * names sharing the hash tag {room} (one Redis Cluster slot): the stream `…:s` (entry id
 * `<offset>-0`, fields t = publish time in ms, p = payload), the meta hash `…:m` (e = epoch,
 * o = last offset) and the pub/sub channel. Both keys expire together, `metaTtl` after the last
 * publish; a room's age limit trims the stream (MINID) instead. So a room whose meta is gone, or
 * whose stream is gone while it has published (deleted, evicted), lost its history: it starts a
 * new epoch (and drops any stream left behind) — offsets never go back within an epoch, and a
 * position of the old one is never taken for covered. So does a room numbered by another master
 * (`r`, the replication id of the Redis that numbered it; '' = not checked): after a failover the
 * promoted replica may lack what the old master never replicated, and would number new messages
 * with offsets a client already saw.
 */

/** Shared by both scripts: the room's epoch, anew when its history was lost. */
const EPOCH = `
local function room_epoch(new_epoch, meta_ttl, master)
  local epoch = redis.call('HGET', KEYS[2], 'e')
  if epoch and redis.call('EXISTS', KEYS[1]) == 0 and tonumber(redis.call('HGET', KEYS[2], 'o')) > 0 then epoch = false end
  if epoch and master ~= '' then
    local by = redis.call('HGET', KEYS[2], 'r')
    if not by then redis.call('HSET', KEYS[2], 'r', master) elseif by ~= master then epoch = false end
  end
  if not epoch then
    epoch = new_epoch
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[2], 'e', epoch, 'o', 0)
    if master ~= '' then redis.call('HSET', KEYS[2], 'r', master) end
    redis.call('PEXPIRE', KEYS[2], meta_ttl)
  end
  return epoch
end
`;

/**
 * Append: KEYS stream, meta. ARGV payload (a JSON object), channel, size, ttl ms (0: none),
 * meta ttl ms, a new epoch (used if the room has none), now ms, sharded ('1': SPUBLISH),
 * traceparent ('' = none), the master's replication id ('' = not checked).
 * Numbers the payload by writing `"offset"` and `"epoch"` at its end, keeps it, publishes it
 * on the room's channel in the same step — so every instance receives the room's messages in
 * offset order. A traced publish goes out as `<traceparent>\n<payload>` (the stream keeps the
 * payload alone). Returns the offset.
 */
export const APPEND = `${EPOCH}
local epoch = room_epoch(ARGV[6], ARGV[5], ARGV[10])
local offset = redis.call('HINCRBY', KEYS[2], 'o', 1)
local payload = string.sub(ARGV[1], 1, -2) .. ',"offset":' .. offset .. ',"epoch":"' .. epoch .. '"}'
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], offset .. '-0', 't', ARGV[7], 'p', payload)
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  -- Past the age limit: trim from the oldest up to the first young one, looking 100 entries at a
  -- time, at most 1,000 a publish (the entry just added is young: the look ends there at worst).
  local cutoff = tonumber(ARGV[7]) - ttl
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  if first and tonumber(first[2][2]) < cutoff then
    local from = '-'
    local trim_to = nil
    for _ = 1, 10 do
      local batch = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 100)
      local young = nil
      for _, e in ipairs(batch) do
        if tonumber(e[2][2]) >= cutoff then young = e[1] break end
      end
      if young then trim_to = young break end
      if #batch == 0 then break end
      trim_to = (tonumber(string.match(batch[#batch][1], '^%d+')) + 1) .. '-0'
      from = trim_to
    end
    if trim_to then redis.call('XTRIM', KEYS[1], 'MINID', trim_to) end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local message = payload
if ARGV[9] ~= '' then message = ARGV[9] .. '\\n' .. payload end
if ARGV[8] == '1' then redis.call('SPUBLISH', ARGV[2], message) else redis.call('PUBLISH', ARGV[2], message) end
return offset
`;

/**
 * Read: KEYS stream, meta. ARGV since offset ('' = from the oldest kept), since epoch, limit,
 * reverse ('1'), size, ttl ms, now ms, a new epoch, meta ttl ms, channel, marker ('' = none),
 * sharded ('1'), the master's replication id ('' = not checked).
 * Returns { epoch, last offset, complete (1/0), payload… }. Only the newest `size` count (the
 * stream trims approximately) and none older than ttl; `complete` is 0 when `since` is not
 * covered any more (another epoch, trimmed, expired) — then no payloads.
 * A marker is published on the room's channel after the read: when it arrives, the reader's
 * channel has brought every message the read saw (a join waits for it, see redis-store.ts).
 */
export const READ = `${EPOCH}
local function finish(out)
  if ARGV[11] ~= '' then
    if ARGV[12] == '1' then redis.call('SPUBLISH', ARGV[10], ARGV[11]) else redis.call('PUBLISH', ARGV[10], ARGV[11]) end
  end
  return out
end
local epoch = room_epoch(ARGV[8], ARGV[9], ARGV[13])
local top = tonumber(redis.call('HGET', KEYS[2], 'o'))
local oldest = top - tonumber(ARGV[5]) + 1
if oldest < 1 then oldest = 1 end
local limit = tonumber(ARGV[3])
local ttl = tonumber(ARGV[6])
local cutoff = tonumber(ARGV[7]) - ttl
local out = { epoch, top, 1 }
-- A join without a position only needs where the room is (XRANGE's COUNT 0 would mean all).
if limit <= 0 then return finish(out) end
local function keep(entry)
  -- entry = { id, { 't', time, 'p', payload } }
  if ttl > 0 and tonumber(entry[2][2]) < cutoff then return false end
  out[#out + 1] = entry[2][4]
  return true
end
if ARGV[4] == '1' then
  if top >= oldest then
    local entries = redis.call('XREVRANGE', KEYS[1], top .. '-0', oldest .. '-0', 'COUNT', limit)
    for _, e in ipairs(entries) do
      if not keep(e) then break end
    end
  end
  return finish(out)
end
local from = oldest
if ARGV[1] ~= '' then
  local since = tonumber(ARGV[1])
  if ARGV[2] ~= epoch or since > top or since + 1 < oldest then
    out[3] = 0
    return finish(out)
  end
  from = since + 1
  if from > top then return finish(out) end
  local entries = redis.call('XRANGE', KEYS[1], from .. '-0', '+', 'COUNT', limit)
  local first = entries[1]
  -- The first one missed must be there (not trimmed, not expired), and the rest follow it.
  if first == nil or first[1] ~= from .. '-0' or (ttl > 0 and tonumber(first[2][2]) < cutoff) then
    out[3] = 0
    return finish(out)
  end
  for _, e in ipairs(entries) do keep(e) end
  return finish(out)
end
if from > top then return finish(out) end
local entries = redis.call('XRANGE', KEYS[1], from .. '-0', '+', 'COUNT', limit)
for _, e in ipairs(entries) do
  if ttl == 0 or tonumber(e[2][2]) >= cutoff then out[#out + 1] = e[2][4] end
end
return finish(out)
`;
