/* global React, ReactDOM, GraphiQL */
// Starts GraphiQL against this gateway, with one tab per example operation (gateway/operations).
// Operations that take an agreement id get the first agreement's id as their variables. An operation
// whose comment has a line "# headers: {...}" opens with those headers (e.g. X-Purpose for personal data).
// Set an Authorization header in the Headers tab to act with a role (npm run token prints one);
// without it you are an anonymous PUBLIC caller. The token is kept only while the page is open:
// headers are not persisted in the browser's storage, where any script or a shared computer would find it.
(function () {
  var url = window.location.origin + '/graphql';
  var fetcher = GraphiQL.createFetcher({ url: url });
  var examples = window.TREATY_EXAMPLES || [];

  function render(agreementId) {
    var tabs = examples.map(function (e) {
      var needsId = /\$id\s*:/.test(e.query);
      var declared = /^#\s*headers:\s*(\{.*\})\s*$/m.exec(e.query);
      var headers;
      try {
        headers = declared ? JSON.stringify(JSON.parse(declared[1]), null, 2) : undefined;
      } catch (err) {
        headers = undefined;
      }
      return { query: e.query, variables: needsId ? JSON.stringify({ id: agreementId || '<an agreement id>' }, null, 2) : undefined, headers: headers };
    });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultEditorToolsVisibility: true,
        shouldPersistHeaders: false,
        defaultQuery: tabs.length ? tabs[0].query : '{ agreements { title } }',
        defaultTabs: tabs,
      }),
    );
  }

  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ agreements { id } }' }) })
    .then(function (r) { return r.json(); })
    .then(function (r) { render(r.data && r.data.agreements[0] ? r.data.agreements[0].id : null); })
    .catch(function () { render(null); });
})();
