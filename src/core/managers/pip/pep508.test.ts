import { evaluateMarker, linuxCpythonEnvironment, markerApplies, parseMarker, parseRequirement, type Marker } from './pep508.js';

const env312 = linuxCpythonEnvironment('3.12');

function marker(text: string): Marker {
  const parsed = parseMarker(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.marker;
}

describe('parseRequirement', () => {
  test.each([
    ['requests', { name: 'requests', extras: [], specifier: '', markerText: null, url: null }],
    ['Requests[socks, security] >= 2.8.1, == 2.8.*', { name: 'Requests', extras: ['socks', 'security'], specifier: '>= 2.8.1, == 2.8.*' }],
    ['name (>=1.0) ; python_version < "3.8"', { name: 'name', specifier: '>=1.0', markerText: 'python_version < "3.8"' }],
    ['pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686', { name: 'pip', url: 'https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686' }],
  ])('%s', (text, expected) => {
    const parsed = parseRequirement(text);
    expect(parsed).toMatchObject({ ok: true, requirement: expected });
  });

  test('records where the specifier is, or where one goes', () => {
    const text = 'pkg[a] ; os_name == "posix"';
    const parsed = parseRequirement(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(text.slice(0, parsed.requirement.specifierStart)).toBe('pkg[a]');
    const ranged = parseRequirement('pkg >=1,<2;sys_platform=="linux"');
    if (!ranged.ok) throw new Error(ranged.message);
    expect('pkg >=1,<2;sys_platform=="linux"'.slice(ranged.requirement.specifierStart, ranged.requirement.specifierEnd)).toBe('>=1,<2');
  });

  test.each([
    ['>=1.0', 'does not start with a project name'],
    ['pkg >=> 1', 'is not a valid version specifier'],
    ['pkg ; python_version <', 'the marker of pkg is invalid'],
    ['pkg ; nonsense == "1"', '"nonsense" is not a marker variable'],
  ])('rejects %s', (text, message) => {
    const parsed = parseRequirement(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});

describe('markers on CPython 3.12, Linux x86_64', () => {
  test.each([
    ['python_version < "3.8"', false],
    ['python_version >= "3.8"', true],
    ['python_version > "3.9"', true], // a version comparison, not a string one ("3.12" < "3.9" as strings)
    ['python_full_version >= "3.12.0"', true],
    ['"3.13" > python_version', true],
    ['sys_platform == "win32"', false],
    ['sys_platform == "linux" and platform_machine == "x86_64"', true],
    ['os_name == "nt" or (implementation_name == "cpython" and platform_system == "Linux")', true],
    ['platform_python_implementation != "PyPy"', true],
    ['"linux" in sys_platform', true],
    ['platform_machine not in "arm64 aarch64"', true],
    ["os.name == 'posix'", true],
    ['python_version ~= "3.10"', true],
    ['python_version == "3.12.*"', true],
  ])('%s → %s', (text, expected) => {
    expect(evaluateMarker(marker(text), env312)).toBe(expected);
  });

  test('an extra applies only when the parent asked for it, and extra names are normalised (PEP 685)', () => {
    const speed = marker('extra == "Speed_Ups"');
    expect(markerApplies(speed, env312)).toBe(false);
    expect(markerApplies(speed, env312, ['speed-ups'])).toBe(true);
    expect(markerApplies(marker('extra == "speed-ups" and python_version < "3.8"'), env312, ['speed-ups'])).toBe(false);
  });
});
