import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Which operation of the document to run, settled before anything is planned.
 *
 * Apollo Server passes a document whose operation it could not pick (several operations and no
 * operationName, or a name the document does not hold) on to the gateway's executor, which throws an
 * error without a status: the caller got HTTP 500 INTERNAL_SERVER_ERROR for a request of theirs. A
 * subscription went the same way. Each is the caller's to fix, so each is a 400 saying how.
 */
export function operationChoiceRefusal(document: DocumentNode, operationName: string | null | undefined, chosen: OperationDefinitionNode | undefined): GraphQLError | null {
  const refuse = (message: string) => new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400, headers: new Map() } as unknown as Record<string, unknown> } });
  if (chosen?.operation === 'subscription') {
    return refuse('The gateway does not run subscriptions. For alerts as they happen, open GET /alerts (server-sent events; see the README); for anything else, send a query.');
  }
  if (chosen) return null;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0) return refuse('The document holds no operation, only fragments; send a query or a mutation that uses them.');
  const names = operations.map((o) => (o.name ? `"${o.name.value}"` : 'one without a name'));
  // Names come from the caller's own document; only the first few are echoed, each cut short.
  const listed = names.slice(0, 5).map((n) => (n.length > 66 ? `${n.slice(0, 64)}…"` : n)).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
  if (operationName) {
    const shown = operationName.length > 64 ? `${operationName.slice(0, 64)}…` : operationName;
    return refuse(`The document has no operation named "${shown}"; it holds ${listed}. Send operationName as one of these, or leave it out when the document holds one operation.`);
  }
  return refuse(`The document holds ${operations.length} operations (${listed}); say which to run with operationName, or send one operation per request.`);
}

export const operationChoicePlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request, operation }) {
        const refusal = operationChoiceRefusal(document, request.operationName, operation);
        if (refusal) throw refusal;
      },
    };
  },
};
