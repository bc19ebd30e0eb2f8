/**
 * The kit without its database half: what a process that holds no database (the gateway, another
 * router's plugin) needs. Importing the whole kit loads TypeORM, its entities and pg, about 25 MB of
 * a process's memory, for nothing there. Everything here is also exported by the main entry.
 */
export * from './alerts.js';
export * from './caller.js';
export * from './clock.js';
export * from './config.js';
export * from './errors.js';
export * from './federation.js';
export * from './http.js';
export * from './input-guards.js';
export * from './internal-auth.js';
export * from './log.js';
export * from './metrics.js';
export * from './ops.js';
export * from './peer.js';
export * from './purposes.js';
export * from './requests.js';
export * from './scalars.js';
export * from './snap-back.js';
export * from './tracing.js';
export * from './writes.js';
