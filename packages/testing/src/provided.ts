/** What the global setup hands every test file: the URL of the run's PostgreSQL server. */
declare module 'vitest' {
  export interface ProvidedContext {
    treatyPostgresUrl: string;
  }
}

export {};
