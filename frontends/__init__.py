"""Frontends: CUDA source -> syntax trees and IR (tree-sitter-cuda; libclang)."""
