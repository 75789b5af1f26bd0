// Structural checks of the built binaries, for targets this machine cannot run as well as those it
// can: what `npm run build:all` leaves in <package>/npm/<platform>/ for every napi package of
// scripts/platforms.js. Every target in napi.targets must have its binary, unless ORY_OTC_TARGETS
// names the ones that were built (build:all sets it); any other binary found there is checked too.
//
// Not part of `npm test` (jest.config.js leaves it out): build:all and test:platforms run it.
//   ORY_OTC_TARGETS=host npx jest --testPathIgnorePatterns /node_modules/ __test__/binaries.test.js   (or names from scripts/platforms.js)
const fs = require('node:fs')
const path = require('node:path')
const { packages, binaryPath, selectedTargets, compareVersions, GLIBC_MAX, TARGETS, buildableHere } = require('../scripts/platforms.js')
const { readBinary } = require('../scripts/binary-info.js')

const selected = selectedTargets()

// What each kind of binary may ask its loader for: the C library and system libraries only.
const GLIBC_LIBS = ['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'librt.so.1', 'libgcc_s.so.1', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1']
const MUSL_LIBS = ['libc.so']
const MACOS_LIBS = [
  '/usr/lib/libSystem.B.dylib',
  '/usr/lib/libiconv.2.dylib',
  '/usr/lib/libcharset.1.dylib',
  '/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation',
  '/System/Library/Frameworks/Security.framework/Versions/A/Security',
]
// Windows system DLLs only: no mingw runtime (libgcc_s_seh-1.dll, libwinpthread-1.dll), which a
// Windows machine does not have, and no node.exe or libnode.dll import (napi's dyn-symbols).
const WINDOWS_DLLS = /^(kernel32|advapi32|ntdll|ws2_32|bcrypt|bcryptprimitives|crypt32|msvcrt|userenv|secur32|shell32|ole32|oleaut32|user32|api-ms-win-[a-z0-9-]+)\.dll$/i

const rows = []
for (const pkg of packages()) {
  const present = fs.existsSync(path.join(pkg.root, 'npm'))
    ? fs.readdirSync(path.join(pkg.root, 'npm')).filter((p) => fs.existsSync(path.join(pkg.root, 'npm', p, `${pkg.binaryName}.${p}.node`)))
    : []
  const unknown = present.filter((p) => !Object.values(TARGETS).some((t) => t.platform === p))

  describe(`${pkg.name}'s binaries`, () => {
    test('every target to check has its binary in npm/<platform>/', () => {
      // Unless told which, every target this OS can build (build:all leaves MSVC to Windows).
      const expected = pkg.targets.filter((t) => (selected ? selected.has(t.platform) : buildableHere(t))).map((t) => t.platform)
      expect(expected.filter((p) => !present.includes(p))).toEqual([])
      expect(expected.length).toBeGreaterThan(0)
    })

    test('no binary is there for a platform scripts/platforms.js does not know', () => {
      expect(unknown).toEqual([])
    })

    for (const target of pkg.targets.filter((t) => present.includes(t.platform) || (selected ? selected.has(t.platform) : buildableHere(t)))) {
      describe(target.platform, () => {
        const file = binaryPath(pkg, target)
        let info
        beforeAll(() => {
          info = readBinary(file)
          rows.push({ name: pkg.name, platform: target.platform, bytes: fs.statSync(file).size, info })
        })

        test(`is ${target.format} for ${target.machine} and exports napi_register_module_v1`, () => {
          expect({ format: info.format, machine: info.machine }).toEqual({ format: target.format, machine: target.machine })
          expect(info.exports).toContain('napi_register_module_v1')
        })

        if (target.libc === 'glibc') {
          test(`needs no glibc symbol newer than ${GLIBC_MAX} and only system libraries`, () => {
            expect(info.glibcVersions.length).toBeGreaterThan(0)
            expect(info.glibcVersions.filter((v) => compareVersions(v, GLIBC_MAX) > 0)).toEqual([])
            expect(info.needed.filter((lib) => !GLIBC_LIBS.includes(lib))).toEqual([])
          })
        }

        if (target.libc === 'musl') {
          test('depends on no glibc: musl libc only', () => {
            expect(info.glibcVersions).toEqual([])
            expect(info.needed).toEqual(MUSL_LIBS)
          })
        }

        if (target.format === 'macho') {
          test(`is a dylib for macOS ${target.macos}${target.cpu === 'arm64' ? ', signed,' : ''} that loads only system libraries`, () => {
            expect(info.macho.filetype).toBe(6) // MH_DYLIB
            expect(info.macho.minos).toBe(target.macos)
            // Apple silicon runs signed code only (an ad-hoc signature will do); Intel needs none.
            expect(info.macho.codeSignature).toBe(target.cpu === 'arm64')
            expect(info.needed.filter((lib) => !MACOS_LIBS.includes(lib))).toEqual([])
          })

          test('binds every symbol to its library, except Node-API (looked up in node at load)', () => {
            // The framework stubs in scripts/macos-link-stubs/ list the symbols bound to Security and
            // CoreFoundation; one they miss would be looked up in every loaded image instead.
            const flat = info.macho.imports.flat ?? []
            expect(flat.filter((name) => !name.startsWith('napi_'))).toEqual([])
            expect(flat.length).toBeGreaterThan(0)
            const unknownLibraries = Object.keys(info.macho.imports).filter((lib) => lib !== 'flat' && !MACOS_LIBS.includes(lib))
            expect(unknownLibraries).toEqual([])
          })
        }

        if (target.format === 'pe') {
          test('is a DLL that imports Windows system DLLs only', () => {
            expect(info.dll).toBe(true)
            expect(info.needed.length).toBeGreaterThan(0)
            expect(info.needed.filter((dll) => !WINDOWS_DLLS.test(dll))).toEqual([])
          })
        }
      })
    }
  })
}

afterAll(() => {
  // The sizes, for the record (build:all prints the same table).
  const lines = rows.map(({ name, platform, bytes, info }) => {
    const glibc = info.glibcVersions?.length ? [...info.glibcVersions].sort(compareVersions).at(-1) : '-'
    return `${name} ${platform}: ${bytes} bytes, max GLIBC ${glibc}`
  })
  if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`)
})
