// Validates every document of a rendered chart (multi-document YAML on stdin) against the Kubernetes schemas,
// offline, with kubernetes-models (one class per apiVersion/kind; ServiceMonitor from the prometheus-operator models).
// Prints one JSON object: {"documents": [...every document as JSON...], "errors": ["Kind/name: message", ...]}.
// Exit code 0 whatever it found (the caller asserts on "errors"), 2 when the input is not YAML.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

function modulePath(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion];
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

let documents;
try {
  documents = yaml.loadAll(readFileSync(0, 'utf8')).filter((d) => d !== null && d !== undefined);
} catch (e) {
  process.stderr.write('not YAML: ' + e.message + '\n');
  process.exit(2);
}

const errors = [];
for (const doc of documents) {
  const name = `${doc.kind}/${doc.metadata && doc.metadata.name}`;
  if (!doc.apiVersion || !doc.kind) {
    errors.push(`${name}: apiVersion and kind are required`);
    continue;
  }
  let Model;
  try {
    Model = (await import(modulePath(doc.apiVersion)))[doc.kind];
  } catch (e) {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    errors.push(`${name}: no schema for ${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    errors.push(`${name}: ${e.message}`);
  }
}
process.stdout.write(JSON.stringify({ documents, errors }));
