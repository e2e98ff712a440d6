#!/usr/bin/env node
// Local Cosmos DB stand-in for the contract tests and local development
// (DESIGN section 10): @vercel/cosmosdb-server, in memory, HTTPS with its
// self-signed certificate, bound to loopback only.
//
// Usage: node tools/cosmos-standin.js [port] [--ignore-stdin]
//   port: argv, else env COSMOS_STANDIN_PORT, else 0 (any free port).
//   Prints "LISTENING <port>" on stdout once it accepts connections.
//   Exits when stdin closes (so a test runner that dies never leaks a server)
//   and on SIGTERM/SIGINT. --ignore-stdin keeps it up without a stdin, for a
//   server started by hand in the background.
"use strict";

// Workaround for a stand-in gap: a point read of a missing document makes the
// package's read-document handler dereference `undefined` and answer 500,
// where Cosmos answers 404 NotFound. routes.js captures each handler's
// `default` export when it is first required, so the wrapper must be
// installed on the handler module before the server's index is required.
const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");

const originalRead = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return originalRead(account, req, res, params);
  } catch (err) {
    if (isMissingDocument(account, req, params)) {
      res.statusCode = 404;
      return {
        code: "NotFound",
        message: "Entity with the specified id does not exist in the system.",
      };
    }
    throw err;
  }
};

// Only a genuinely missing document is turned into a 404; any other failure
// still surfaces as the 500 the package would have sent.
function isMissingDocument(account, req, { dbId, collId, docId }) {
  try {
    const collection = account.database(dbId).collection(collId);
    const header = req.headers["x-ms-documentdb-partitionkey"];
    const partition = parsePartitionKey(Array.isArray(header) ? header[0] : header, docId);
    return collection.read() !== undefined && !collection.document(docId, partition).read();
  } catch (_err) {
    return false;
  }
}

const { createHttpsServer } = require("@vercel/cosmosdb-server");

const args = process.argv.slice(2);
const ignoreStdin = args.includes("--ignore-stdin");
const portArg = args.find((a) => !a.startsWith("--"));
const port = Number.parseInt(portArg ?? process.env.COSMOS_STANDIN_PORT ?? "0", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${portArg ?? process.env.COSMOS_STANDIN_PORT}`);
  process.exit(2);
}

// keepAlive: the package's own CLI closes every connection, which makes the
// SDK reconnect (TLS handshake included) on every request: ~35 ops/s instead of ~700.
const server = createHttpsServer({ keepAlive: true });
server.keepAliveTimeout = 60_000;

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(code));
  server.closeAllConnections?.();
  // Never hang on a client that holds a socket open.
  setTimeout(() => process.exit(code), 2_000).unref();
}

server.on("error", (err) => {
  console.error(`cosmos stand-in failed: ${err.message}`);
  process.exit(1);
});

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});

process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
if (!ignoreStdin) {
  process.stdin.on("end", () => stop(0));
  process.stdin.on("close", () => stop(0));
  process.stdin.on("error", () => stop(0));
  process.stdin.resume();
}
