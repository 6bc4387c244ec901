// The mutation run's snapshot switch (mutation-setup.ts), loaded here as jest.mutation.config.js loads it: no
// snapshot assertion of any kind can fail a test, so none can kill a mutant; whether the code throws still can.
import './mutation-setup';

describe('snapshot matching off for the mutation run', () => {
  test('a value that differs from its stored or inline snapshot passes, and no snapshot is written', () => {
    expect('the mutant').toMatchSnapshot();
    expect('the mutant').toMatchInlineSnapshot(`"the original"`);
    expect(() => {
      throw new Error('the mutant');
    }).toThrowErrorMatchingSnapshot();
    expect(() => {
      throw new Error('the mutant');
    }).toThrowErrorMatchingInlineSnapshot(`"the original"`);
    const { added, matched, unmatched } = expect.getState().snapshotState;
    expect({ added, matched, unmatched }).toEqual({ added: 0, matched: 0, unmatched: 0 });
  });

  test('a rejected promise passes an error snapshot whatever its message', async () => {
    await expect(Promise.reject(new Error('the mutant'))).rejects.toThrowErrorMatchingInlineSnapshot(`"the original"`);
  });

  test('code that no longer throws still fails an error snapshot: that is behavior, not a snapshot', () => {
    expect(() => expect(() => undefined).toThrowErrorMatchingInlineSnapshot(`"the original"`)).toThrow('did not throw');
    expect(() => expect(() => undefined).toThrowErrorMatchingSnapshot()).toThrow('did not throw');
  });
});
