// Neo4j's own Cypher tooling, driven by the test suite (tests/cypher_check.py).
// One process serves a whole test session: each line on stdin is a JSON request, answered by one
// line of JSON on stdout (the parser takes seconds to load, so it is loaded once):
//   {"lint": [{"name", "text", "parameters": {...} | null}], "languages": ["CYPHER 5", ...]}
//     -> {"lint": [{"name", "language", "diagnostics": [...]}]}
//   {"split": ["pasted text", ...]} -> {"split": [["statement", ...], ...]}
// "split" is what Neo4j Browser does to a pasted block (shared/services/commandUtils.ts,
// extractStatementsFromString): drop `//` comment lines and empty lines, then split with
// @neo4j-cypher/extract-statements.
'use strict';

function browserClean(text) {
  return text.split('\n')
    .filter(line => !line.trim().startsWith('//'))
    .filter(line => !/^\s*$/.test(line))
    .join('\n');
}

function browserSplit(text) {
  const { extractStatements } = require('@neo4j-cypher/extract-statements');
  const parsed = extractStatements(browserClean(text));
  const statements = parsed.referencesListener.statements;
  if (!statements.length) return [];
  return statements[0].raw().map(s => s.getText().trim()).filter(s => s);
}

function lint(items, languages) {
  // Loaded only when asked for: the full parser takes seconds to load.
  const { lintCypherQuery, isNotParamError } = require('@neo4j-cypher/language-support');
  const out = [];
  for (const item of items) {
    for (const language of languages) {
      // No parameters given: the driver supplies them at run time, so "not defined" is no error.
      const schema = item.parameters ? { parameters: item.parameters } : {};
      let { diagnostics } = lintCypherQuery(item.text, { ...schema, defaultLanguage: language },
                                            { consoleCommandsEnabled: true });
      if (!item.parameters) diagnostics = diagnostics.filter(isNotParamError);
      out.push({ name: item.name, language, diagnostics: diagnostics.map(d => ({
        severity: d.severity, message: d.message, line: d.range.start.line + 1,
        column: d.range.start.character + 1 })) });
    }
  }
  return out;
}

const lines = require('readline').createInterface({ input: process.stdin, terminal: false });
lines.on('line', line => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  const answer = {};
  try {
    if (request.lint) answer.lint = lint(request.lint, request.languages || ['CYPHER 5', 'CYPHER 25']);
    if (request.split) answer.split = request.split.map(browserSplit);
  } catch (error) {
    answer.error = String(error && error.stack || error);
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
