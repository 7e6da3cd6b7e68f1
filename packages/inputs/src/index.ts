/**
 * @actorwire/inputs — input from outside is hostile: size and nesting caps checked before parsing,
 * JSON that cannot overflow a stack, counted refusals with bounded logging, and one way to build
 * ajv validators.
 */
export {
  InputGuard, InputRefused, MAX_JSON_DEPTH, parseUntrustedJson, checkUntrustedText, isPlainObject, readBoundedBody,
  nestedDeeperThan, textNestedDeeperThan, utf8LengthOver,
  type InputLimits, type InputRefusal, type InputGuardSink,
} from './guard.js';
export { createAjv, describeErrors } from './validation.js';
