// The library API of rseq-abi.
export {};
