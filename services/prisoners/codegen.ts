import type { CodegenConfig } from '@graphql-codegen/cli';
import { resolverTypesConfig } from '../../codegen.shared.js';

/** Resolver and input types generated from this service's SDL (npm run codegen; checked in). */
const config: CodegenConfig = resolverTypesConfig(new URL('./src/schema.graphql', import.meta.url), new URL('./src/generated/graphql.ts', import.meta.url));
export default config;
