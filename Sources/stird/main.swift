print("stird")
