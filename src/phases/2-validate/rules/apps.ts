import type { Rule } from './rule.js';

/** Each app can be rendered: it has an image, and its ports and versions are unambiguous. */
export const apps: Rule = ({ spec, sourceMap, diagnostics }) => {
  for (const app of spec.apps) {
    const versions = app.versions ?? [];
    if (app.image === undefined && (versions.length === 0 || versions.some((v) => v.image === undefined))) {
      diagnostics.error('spec_missing_image', `app \`${app.name}\` has no image`, sourceMap.valueSpan(app, 'name'), [
        versions.length === 0 ? 'add `image: <registry>/<repository>:<tag>`' : 'add an `image:` to the app, or to every version',
      ]);
    }
    const seen = (what: string, values: { value: string | number; owner: object; field: string }[]) => {
      const first = new Map<string | number, object>();
      for (const { value, owner, field } of values) {
        if (first.has(value)) {
          diagnostics.error('spec_duplicate_name', `app \`${app.name}\` has two ${what} \`${value}\``, sourceMap.valueSpan(owner, field), [`each ${what.replace(/s$/, '')} must be unique within the app`]);
        } else first.set(value, owner);
      }
    };
    const ports = app.ports ?? [];
    // Port names Kubernetes rejects are found by the schema (definition `portName`, see ../port-name.ts).
    if (ports.length > 0 && !/^[a-z]/.test(app.name)) {
      // A Service name is a DNS-1035 label: it must start with a letter.
      diagnostics.error('spec_invalid_service_name', `app \`${app.name}\` serves ports, so it gets a Service, and Service names must start with a letter`, sourceMap.valueSpan(app, 'name'), [
        'rename the app to start with a letter',
      ]);
    }
    seen(
      'ports named',
      ports.map((p) => ({ value: p.name, owner: p, field: 'name' })),
    );
    seen(
      'ports numbered',
      ports.map((p) => ({ value: p.port, owner: p, field: 'port' })),
    );
    seen(
      'versions named',
      versions.map((v) => ({ value: v.name, owner: v, field: 'name' })),
    );
    if (app.allowMoveFrom && !app.stateful) {
      diagnostics.warning('spec_allow_move_unused', `\`allowMoveFrom\` only matters for stateful apps; \`${app.name}\` is not stateful`, sourceMap.keySpan(app, 'allowMoveFrom'), ['remove it, or set `stateful: true`']);
    }
  }
};
