/** Test helpers: a real server on an ephemeral port and a real WebSocket client. */
export { startTestServer, type TestServer } from './server.js';
export { connect, expectRefused, TestClient, type ConnectOptions, type ReceivedFrame } from './client.js';
export { sleep, until } from './wait.js';
export { TEST_SECRET, testToken, type TestTokenOptions } from './token.js';
export { collectGarbage, inspectorUrl, rssOf } from './process-memory.js';
export { ManualClock } from '@actorwire/core';
