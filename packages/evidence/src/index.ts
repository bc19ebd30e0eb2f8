export * from './merkle.js';
export * from './verify.js';
export * from './canonical.js';
export * from './note.js';
export * from './export.js';
export * from './client.js';
