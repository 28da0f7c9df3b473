// node readywait.js PORT SECONDS: exit 0 once http://127.0.0.1:PORT/health answers 200.
"use strict";
const http = require("http");
const port = Number(process.argv[2] || 9000);
const deadline = Date.now() + Number(process.argv[3] || 120) * 1000;
function poll() {
  const req = http.get({ host: "127.0.0.1", port, path: "/health", timeout: 2000 }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.exit(0);
    retry();
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", retry);
}
function retry() {
  if (Date.now() > deadline) process.exit(1);
  setTimeout(poll, 200);
}
poll();
