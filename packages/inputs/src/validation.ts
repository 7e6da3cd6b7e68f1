/** One place that builds ajv instances, so every schema is compiled with the same options. */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats ships CJS with a default export; normalize for ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (a: Ajv) => Ajv;

export function createAjv(opts: { useDefaults?: boolean; coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: opts.useDefaults ?? true, coerceTypes: opts.coerceTypes ?? false });
  addFormats(ajv);
  return ajv;
}

/** `ajv` errors as one short sentence a client can read. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  const e = errors[0]!;
  const path = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
  if (e.keyword === 'required') return `${path ? path + '.' : ''}${(e.params as { missingProperty: string }).missingProperty} is required`;
  if (e.keyword === 'additionalProperties') return `${path ? path + '.' : ''}${(e.params as { additionalProperty: string }).additionalProperty} is not allowed`;
  return `${path || 'message'} ${e.message ?? 'is invalid'}`;
}
