import { readmeSection } from '../readme/readme-examples';
import { readSpec, specOperations } from './confluent-spec';

/**
 * The README's "Confluent REST v3 compatibility" table must name every operation of the spec
 * fixture, by operationId or by method and path (`...` abbreviating the start of a path), so a
 * spec update that adds an operation cannot leave the table silently incomplete.
 */
describe('README: Confluent REST v3 compatibility table', () => {
  const rows = readmeSection('Confluent REST v3 compatibility')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [operation, served] = line
        .split('|')
        .slice(1, 3)
        .map((cell) => cell.trim());
      const [methods, path] = /^`([^`]+)`/.exec(operation)![1].split(' ');
      const id = operation.replace(/^`[^`]+`/, '').trim();
      return { methods: methods.split('/'), path, id, served };
    });

  it.each(specOperations(readSpec()).map((o) => [o.id, o] as const))('has a row for %s', (_id, operation) => {
    const row = rows.find(
      (r) =>
        r.methods.includes(operation.method) &&
        (r.path === operation.path || (r.path.startsWith('...') && operation.path.endsWith(r.path.slice(3)))),
    );
    expect(row).toBeDefined();
    if (operation.id !== `${operation.method} ${operation.path}`) expect(row!.id).toBe(operation.id);
    expect(row!.served).toBe('yes');
  });
});
