/* global React, ReactDOM, GraphiQL, TREATY_EXAMPLES */
// Starts GraphiQL against this gateway. Set an Authorization header in the Headers tab to act with a
// role (npm run token prints one); without it you are an anonymous PUBLIC caller.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var examples = window.TREATY_EXAMPLES || [];
  var first = examples[0];
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: true,
      defaultQuery: first ? first.query : '{ agreements { title currentDay milestones { title dueDay status } } }',
      defaultTabs: examples.map(function (e) {
        return { query: e.query, variables: e.variables || undefined, headers: e.headers || undefined };
      }),
    }),
  );
})();
