static int table[64] = {1};
int start(void){ return table[3] + 42; }
