-- wrk: GET a random page of the list in bench/pages.txt (one path a line).
local paths = {}
for line in io.lines(os.getenv("PAGES") or "pages.txt") do
	paths[#paths + 1] = line
end
math.randomseed(42)
request = function()
	return wrk.format("GET", paths[math.random(#paths)])
end
