/** A node of a printed tree. */
export interface PrintNode {
  label: string;
  children: PrintNode[];
}

/** Renders like Go's xlab/treeprint, which Ratify's `discover` uses: "├── ", "└── ", "│   ". */
export function renderTree(root: PrintNode): string {
  const lines: string[] = [root.label];
  const walk = (nodes: PrintNode[], prefix: string) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${n.label}`);
      walk(n.children, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root.children, '');
  return lines.join('\n') + '\n';
}
