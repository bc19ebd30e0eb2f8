export * from "./keys.js";
export * from "./client.js";
export * from "./demo.js";
export * from "./paths.js";
export * from "./demo-all.js";
export * from "./sse.js";
