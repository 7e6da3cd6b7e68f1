'use strict';
/** The chosen uWebSockets.js build itself (see resolve.cjs): what `require('uWebSockets.js')` means inside Actorwire. */
module.exports = require('./resolve.cjs').load().binding;
