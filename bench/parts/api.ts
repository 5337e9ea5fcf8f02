export async function runApi(_ctx: unknown) {}
