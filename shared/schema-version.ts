/**
 * The version of the document schema (shared/schema.ts) an app build edits with. An editor
 * rewrites what it reads into its own schema: y-prosemirror deletes a node or mark the schema
 * does not know, and drops attributes it does not declare, and those deletions reach everyone.
 * So an app older than the server's schema must not edit (PROTOCOL.md D2): the server closes it
 * with 4426 and it asks the person to reload.
 *
 * Raise it with every change to nodes, marks or attributes that an older app would not keep.
 * 1: code_block gained `language`; versions before it sent no number. 2: the `image` node.
 */
export const SCHEMA_VERSION = 2

/** The sync URL's query parameter that carries the app's SCHEMA_VERSION. */
export const SCHEMA_PARAM = 'schema'
