#!/bin/sh
# Turn the "->SYM VALUE" markers that hyp/arch/aarch64/asm-offsets.c leaves in
# the compiler's assembly output into #defines for the .S files.
echo "/* Generated from hyp/arch/aarch64/asm-offsets.c. Do not edit. */"
echo "#ifndef HYP_ASM_OFFSETS_H"
echo "#define HYP_ASM_OFFSETS_H"
sed -n 's/.*->\([A-Za-z_0-9]*\) [#$]*\(-\{0,1\}[0-9]*\).*/#define \1 \2/p'
echo "#endif"
