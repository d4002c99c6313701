// The refusal of a state-table record read back: awaits a read that must fail, asserts it failed with StateRecordError
// (decision 118), and returns it so a test can check the key and field it names. Shared by the store tests.
import { StateRecordError } from '../../shared/state/state-records';

export async function stateRecordRefusal(read: Promise<unknown>): Promise<StateRecordError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateRecordError);
  return error as StateRecordError;
}
