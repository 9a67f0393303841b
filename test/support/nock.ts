import nock from 'nock';

/**
 * The HTTP rules of every test file that mocks a remote: no network but what `allow` names (the
 * loopback registry, index or Redis a test starts), and every mocked request must have been made.
 */
export function useNock(allow?: string | RegExp): void {
  beforeAll(() => nock.disableNetConnect());
  if (allow !== undefined) beforeEach(() => nock.enableNetConnect(allow));
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());
}
