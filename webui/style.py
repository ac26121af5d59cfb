"""The chat UI's style sheet (layout, citation markers, sources, the phone-width stack) and
its two browser scripts (scroll to the cited passage, copy the answer as plain text)."""

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#chat .answer ul { margin: 0.25em 0 0.25em 1.2em; padding: 0; }
#chat small.rewritten, #chat small.note { display: block; margin-top: 0.4em; opacity: 0.75;
  font-size: 0.8em; }
#chat .answer.error { color: var(--error-text-color, #b91c1c); }
a.cite-marker { font-weight: 600; text-decoration: none; padding: 0 0.1em; }
a.cite-marker:focus, a.cite-marker:hover { text-decoration: underline; }
.sources h3, .document h3 { margin: 0.2em 0 0.4em; font-size: 1.05em; }
.sources ol { list-style: none; margin: 0; padding: 0; }
.sources .citation { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 0.5em 0.7em; margin-bottom: 0.6em; }
.sources .citation:target, .sources .citation:focus { outline: 3px solid #f59e0b; }
.sources .cite-n { font-weight: 700; }
.sources .cite-title { font-weight: 600; }
.sources .cite-meta, .document .doc-meta, .document .doc-at { font-size: 0.85em; opacity: 0.8;
  margin: 0.2em 0; }
.sources blockquote.passage { margin: 0.4em 0 0; padding-left: 0.6em; font-size: 0.9em;
  border-left: 3px solid var(--border-color-primary); white-space: normal; }
.sources mark, .document mark { background: #fde68a; color: #111827; padding: 0 0.1em; }
.document .doc-chunk { margin: 0.35em 0; font-size: 0.92em; }
.document .doc-chunk.cited { background: rgba(253, 230, 138, 0.35); border-left: 4px solid #f59e0b;
  padding: 0.3em 0.5em; }
.document .page-mark { font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.05em;
  opacity: 0.7; border-top: 1px dashed var(--border-color-primary); padding-top: 0.4em; }
.filters-active { margin: 0.2em 0; font-size: 0.9em; }
.upload-report li.failed { color: var(--error-text-color, #b91c1c); }
@media (max-width: 640px) {
  .gradio-container { padding: 0 6px !important; }
  #chat { height: 420px !important; }
}
"""

# After "Open document": bring the cited passage into view inside the viewer.
SCROLL_TO_FOCUS = """() => {
  const el = document.getElementById('doc-focus');
  if (el) { el.scrollIntoView({block: 'center'}); el.focus({preventScroll: true}); }
}"""

# "Copy answer": the plain-text answer with its sources, never the chat's HTML.
COPY_ANSWER = """(text) => {
  if (!text) { return; }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text);
  } else {
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'absolute';
    area.style.left = '-9999px'; document.body.appendChild(area); area.select();
    document.execCommand('copy'); area.remove();
  }
}"""
