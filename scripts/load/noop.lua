-- Baseline: a trivial form POST the server reads and discards.
wrk.method = "POST"
wrk.body = "a=1&b=2&c=3"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
