#!/usr/bin/env python3
"""Edits a real OCI layout (made by umoci) the way other tools would have written it, so tests
can cover media types and indexes umoci does not produce. Blobs stay content-addressed.

usage: layout-edit.py LAYOUT REF layer-type INDEX MEDIATYPE          (rewrite a layer's mediaType)
       layout-edit.py LAYOUT REF layer-blob INDEX FILE MEDIATYPE     (replace a layer's blob)
       layout-edit.py LAYOUT REF index NEWREF OS/ARCH[/VARIANT]...   (wrap REF's manifest in an index)
"""
import hashlib
import json
import os
import sys


def put_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, 'blobs', 'sha256', digest)
    with open(path, 'wb') as f:
        f.write(data)
    return 'sha256:' + digest, len(data)


def get_blob(layout, digest):
    with open(os.path.join(layout, 'blobs', 'sha256', digest.split(':', 1)[1]), 'rb') as f:
        return f.read()


def main():
    layout, ref, op = sys.argv[1:4]
    args = sys.argv[4:]
    index_path = os.path.join(layout, 'index.json')
    with open(index_path) as f:
        index = json.load(f)
    desc = next(d for d in index['manifests']
                if d.get('annotations', {}).get('org.opencontainers.image.ref.name') == ref)
    manifest = json.loads(get_blob(layout, desc['digest']))
    if op == 'index':
        new_ref, platforms = args[0], args[1:]
        entries = []
        for p in platforms:
            parts = p.split('/')
            plat = {'os': parts[0], 'architecture': parts[1]}
            if len(parts) > 2:
                plat['variant'] = parts[2]
            entries.append({'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                            'digest': desc['digest'], 'size': desc['size'], 'platform': plat})
        idx = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                          'manifests': entries}).encode()
        digest, size = put_blob(layout, idx)
        index['manifests'].append({'mediaType': 'application/vnd.oci.image.index.v1+json',
                                   'digest': digest, 'size': size,
                                   'annotations': {'org.opencontainers.image.ref.name': new_ref}})
    else:
        layer = manifest['layers'][int(args[0])]
        if op == 'layer-type':
            layer['mediaType'] = args[1]
        elif op == 'layer-blob':
            with open(args[1], 'rb') as f:
                digest, size = put_blob(layout, f.read())
            layer.update({'digest': digest, 'size': size, 'mediaType': args[2]})
        else:
            sys.exit('unknown operation ' + op)
        digest, size = put_blob(layout, json.dumps(manifest).encode())
        desc['digest'], desc['size'] = digest, size
    with open(index_path, 'w') as f:
        json.dump(index, f)


main()
