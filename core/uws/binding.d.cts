/** The chosen uWebSockets.js build (resolve.cjs), typed as the uWebSockets.js API (upstream v20.57's declarations). */
import uws = require('@btc-vision/uwebsockets.js');
export = uws;
