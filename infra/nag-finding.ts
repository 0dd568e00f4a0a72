import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A value as cdk-nag names it in a granular finding ("Resource::<that>"): the resolved
 * CloudFormation value with references flattened to <Ref> and <Id.Attr>, as cdk-nag does, so an
 * acknowledgement names exactly one resource pattern and no other wildcard slips through with it.
 */
export function nagFinding(scope: IConstruct, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (typeof node === 'object' && node !== null) {
      const v = node as Record<string, unknown>;
      if (Array.isArray(v['Fn::Join'])) {
        const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
        return parts.map(visit).join(separator);
      }
      if (Array.isArray(v['Fn::GetAtt'])) {
        const [resource, attribute] = v['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(resource)}.${visit(attribute)}>`;
      }
      if (v.Ref !== undefined) return `<${visit(v.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
