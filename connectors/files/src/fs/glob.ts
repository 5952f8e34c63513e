/**
 * A small glob → RegExp translation (no dependency): `**` any number of directories, `*` any
 * characters but `/`, `?` one character but `/`, `[abc]` / `[!abc]` classes, `{a,b}` alternatives
 * (not nested). The result matches a whole relative path with `/` separators.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let inGroup = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else if (c === '{' && !inGroup) {
      inGroup = true;
      re += '(?:';
    } else if (c === '}' && inGroup) {
      inGroup = false;
      re += ')';
    } else if (c === ',' && inGroup) {
      re += '|';
    } else {
      re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  if (inGroup) re += ')';
  return new RegExp(`^${re}$`);
}

/**
 * A path filter from include/exclude globs: a glob without `/` matches the file name at any depth
 * (`*.csv`), a glob with `/` matches the path relative to the listed root (`2024-*\/**\/*.csv`).
 * No include globs means "include everything"; excludes win over includes.
 */
export function globFilter(
  include: readonly string[],
  exclude: readonly string[],
): (relativePath: string) => boolean {
  const compile = (globs: readonly string[]) =>
    globs.map((g) => ({ re: globToRegExp(g), nameOnly: !g.includes('/') }));
  const inc = compile(include);
  const exc = compile(exclude);
  const matches = (list: typeof inc, path: string, name: string) =>
    list.some((g) => g.re.test(g.nameOnly ? name : path));
  return (path) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (matches(exc, path, name)) return false;
    return inc.length === 0 || matches(inc, path, name);
  };
}
