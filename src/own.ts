// Own-property lookups for records indexed by names from outside (a service typed in Slack, an
// alert label, a button value). `config.services['constructor']` is Object's constructor and
// `['__proto__']` is Object.prototype: both truthy, neither a service.

/**
 * The value stored under `key` itself, ignoring the prototype chain; undefined when `key` is not
 * an own property (e.g. 'constructor', 'toString', '__proto__') or is missing.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string | undefined | null): T | undefined {
  return typeof key === 'string' && Object.hasOwn(record, key) ? record[key] : undefined;
}
