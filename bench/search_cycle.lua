-- wrk (bench/search.sh): GET the paths of $QUERIES (one a line) in turn;
-- each connection starts at its own place in the list.
local paths = {}
for line in io.lines(os.getenv("QUERIES") or "queries.txt") do
	paths[#paths + 1] = line
end
local counter = 0
setup = function(thread)
	counter = counter + 1
	thread:set("start", counter * 7)
end
local i = nil
request = function()
	i = ((i or start or 0) % #paths) + 1
	return wrk.format("GET", paths[i])
end
