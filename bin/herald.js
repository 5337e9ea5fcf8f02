#!/usr/bin/env node
// Herald's sources are TypeScript run directly by Node 24's type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `herald needs Node 24 or newer (this is ${process.version}); run it through npm (npm run herald -- ...) or npx herald, which use the pinned Node.`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
