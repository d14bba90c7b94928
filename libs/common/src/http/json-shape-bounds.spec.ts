import { jsonShapeProblem } from './json-shape-bounds';

const bounds = { maxDepth: 3, maxArrayLength: 2 };

describe('jsonShapeProblem (the scan before JSON.parse and validation)', () => {
  it.each(['{}', '[]', '{"a":[1,2]}', '{"a":[{"b":1},{"c":2}]}', '"[[[[[["', '{"s":"[,,,]\\"[[[["}', ' [ 1 , 2 ] '])('accepts %s', (text) => {
    expect(jsonShapeProblem(text, bounds)).toBeNull();
  });

  it('refuses nesting past the bound, whatever the mix of arrays and objects', () => {
    expect(jsonShapeProblem('[[[[]]]]', bounds)).toMatch(/deeper than 3/);
    expect(jsonShapeProblem('{"a":{"b":[{}]}}', bounds)).toMatch(/deeper than 3/);
    expect(jsonShapeProblem(`{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, bounds)).toMatch(/deeper than 3/);
  });

  it('refuses an array longer than the bound at any depth, counting elements not commas in strings', () => {
    expect(jsonShapeProblem('[1,2,3]', bounds)).toMatch(/more than 2 elements/);
    expect(jsonShapeProblem('{"a":[{},{},{}]}', bounds)).toMatch(/more than 2 elements/);
    expect(jsonShapeProblem('["a,b,c","d"]', bounds)).toBeNull();
    expect(jsonShapeProblem('[1]', { maxDepth: 3, maxArrayLength: 0 })).toMatch(/more than 0 elements/);
    // Commas of an object are not elements.
    expect(jsonShapeProblem('{"a":1,"b":2,"c":3}', bounds)).toBeNull();
  });
});
