import type { MarkdownRenderer } from 'vitepress';

/**
 * Markdown-it rule for the site: `<partPrefix>`-style placeholders in prose (option descriptions
 * generated from the schemas use them) are text, not HTML elements — Vue would otherwise reject the
 * page for a missing end tag. Real HTML (comments, known tags) passes through.
 */
const HTML_TAGS =
  /^<\/?(a|abbr|b|br|code|del|details|div|em|i|img|ins|kbd|li|ol|p|pre|s|small|span|strong|sub|summary|sup|table|tbody|td|th|thead|tr|u|ul)(\s|\/?>|$)/i;

export function isPlaceholderHtml(html: string): boolean {
  return !html.startsWith('<!--') && !HTML_TAGS.test(html);
}

export function placeholdersAsText(md: MarkdownRenderer): void {
  md.core.ruler.push('placeholders-as-text', (state) => {
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        if (token.type === 'html_inline' && isPlaceholderHtml(token.content)) token.type = 'text';
      }
    }
  });
}
