/** Test-only: the JDBC contract contexts on sqlite (imported by the suites and their crash children). */
import { jdbcContractContexts } from './jdbc-contract-contexts.js';

export const { sourceContext, sinkContext } = await jdbcContractContexts('sqlite');
