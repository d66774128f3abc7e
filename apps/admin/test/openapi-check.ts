// Checks answers of the admin REST API against its own OpenAPI 3.1 document: the document itself
// must be a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator), and each JSON body is
// validated (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses) against the schema the document gives
// for that path, method and status.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components?: unknown;
}

export interface ResponseChecker {
  /** the schema errors of `body` for this operation and status ('' when valid); throws when the document has no such response */
  errors(method: string, pathTemplate: string, status: number, body: unknown): string;
}

export async function openApiChecker(doc: unknown): Promise<ResponseChecker> {
  const validator = new Validator();
  const res = await validator.validate(doc as never);
  if (!res.valid) throw new Error(`not a valid OpenAPI document: ${JSON.stringify(res.errors).slice(0, 2000)}`);
  if (validator.version !== '3.1') throw new Error(`expected OpenAPI 3.1, got ${validator.version}`);
  const d = doc as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return {
    errors(method, path, status, body) {
      const key = `${method} ${path} ${status}`;
      let fn = compiled.get(key);
      if (!fn) {
        const schema = d.paths[path]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']?.schema;
        if (!schema) throw new Error(`the document has no JSON response for ${key}`);
        // refs are "#/components/…": resolve them against a root that carries the components
        fn = ajv.compile({ ...(schema as object), components: d.components });
        compiled.set(key, fn);
      }
      return fn(body) ? '' : ajv.errorsText(fn.errors);
    },
  };
}
