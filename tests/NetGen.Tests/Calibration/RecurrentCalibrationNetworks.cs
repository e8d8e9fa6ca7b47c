// The recurrent part of the calibration suite: RNN (tanh), LSTM and GRU over 5 to 200 steps, 1 to 4 layers, at PyTorch's
// default initialisation, each followed by LastStep and a Linear classifier. Written by make_recurrent_networks.py;
// regenerate, don't edit.
using NetGen;

// These networks are meant to trip the gradient-risk rules: .editorconfig beside this file silences them in the build.

namespace NetGen.Tests.Calibration.Recurrent;

[Input(5, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps5;

[Input(8, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps8;

[Input(10, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps10;

[Input(12, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps12;

[Input(15, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps15;

[Input(20, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps20;

[Input(30, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps30;

[Input(50, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps50;

[Input(100, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps100;

[Input(200, 8)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps200;

[Input(10, 8)]
[RNN(16), LastStep, Linear(10)]
public partial class RNN16x1Steps10;

[Input(10, 8)]
[RNN(64), LastStep, Linear(10)]
public partial class RNN64x1Steps10;

[Input(20, 8)]
[RNN(16), LastStep, Linear(10)]
public partial class RNN16x1Steps20;

[Input(20, 8)]
[RNN(64), LastStep, Linear(10)]
public partial class RNN64x1Steps20;

[Input(50, 8)]
[RNN(16), LastStep, Linear(10)]
public partial class RNN16x1Steps50;

[Input(50, 8)]
[RNN(64), LastStep, Linear(10)]
public partial class RNN64x1Steps50;

[Input(10, 32)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps10In32;

[Input(20, 2)]
[RNN(32), LastStep, Linear(10)]
public partial class RNN32x1Steps20In2;

[Input(5, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps5;

[Input(8, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps8;

[Input(10, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps10;

[Input(12, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps12;

[Input(15, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps15;

[Input(20, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps20;

[Input(30, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps30;

[Input(50, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps50;

[Input(100, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps100;

[Input(200, 8)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps200;

[Input(10, 8)]
[LSTM(16), LastStep, Linear(10)]
public partial class LSTM16x1Steps10;

[Input(10, 8)]
[LSTM(64), LastStep, Linear(10)]
public partial class LSTM64x1Steps10;

[Input(20, 8)]
[LSTM(16), LastStep, Linear(10)]
public partial class LSTM16x1Steps20;

[Input(20, 8)]
[LSTM(64), LastStep, Linear(10)]
public partial class LSTM64x1Steps20;

[Input(50, 8)]
[LSTM(16), LastStep, Linear(10)]
public partial class LSTM16x1Steps50;

[Input(50, 8)]
[LSTM(64), LastStep, Linear(10)]
public partial class LSTM64x1Steps50;

[Input(10, 32)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps10In32;

[Input(20, 2)]
[LSTM(32), LastStep, Linear(10)]
public partial class LSTM32x1Steps20In2;

[Input(5, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps5;

[Input(8, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps8;

[Input(10, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps10;

[Input(12, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps12;

[Input(15, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps15;

[Input(20, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps20;

[Input(30, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps30;

[Input(50, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps50;

[Input(100, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps100;

[Input(200, 8)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps200;

[Input(10, 8)]
[GRU(16), LastStep, Linear(10)]
public partial class GRU16x1Steps10;

[Input(10, 8)]
[GRU(64), LastStep, Linear(10)]
public partial class GRU64x1Steps10;

[Input(20, 8)]
[GRU(16), LastStep, Linear(10)]
public partial class GRU16x1Steps20;

[Input(20, 8)]
[GRU(64), LastStep, Linear(10)]
public partial class GRU64x1Steps20;

[Input(50, 8)]
[GRU(16), LastStep, Linear(10)]
public partial class GRU16x1Steps50;

[Input(50, 8)]
[GRU(64), LastStep, Linear(10)]
public partial class GRU64x1Steps50;

[Input(10, 32)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps10In32;

[Input(20, 2)]
[GRU(32), LastStep, Linear(10)]
public partial class GRU32x1Steps20In2;

[Input(5, 8)]
[RNN(32, numLayers: 2), LastStep, Linear(10)]
public partial class RNN32x2Steps5;

[Input(10, 8)]
[RNN(32, numLayers: 2), LastStep, Linear(10)]
public partial class RNN32x2Steps10;

[Input(20, 8)]
[RNN(32, numLayers: 2), LastStep, Linear(10)]
public partial class RNN32x2Steps20;

[Input(50, 8)]
[RNN(32, numLayers: 2), LastStep, Linear(10)]
public partial class RNN32x2Steps50;

[Input(100, 8)]
[RNN(32, numLayers: 2), LastStep, Linear(10)]
public partial class RNN32x2Steps100;

[Input(5, 8)]
[RNN(32, numLayers: 3), LastStep, Linear(10)]
public partial class RNN32x3Steps5;

[Input(10, 8)]
[RNN(32, numLayers: 3), LastStep, Linear(10)]
public partial class RNN32x3Steps10;

[Input(20, 8)]
[RNN(32, numLayers: 3), LastStep, Linear(10)]
public partial class RNN32x3Steps20;

[Input(50, 8)]
[RNN(32, numLayers: 3), LastStep, Linear(10)]
public partial class RNN32x3Steps50;

[Input(100, 8)]
[RNN(32, numLayers: 3), LastStep, Linear(10)]
public partial class RNN32x3Steps100;

[Input(5, 8)]
[RNN(32, numLayers: 4), LastStep, Linear(10)]
public partial class RNN32x4Steps5;

[Input(10, 8)]
[RNN(32, numLayers: 4), LastStep, Linear(10)]
public partial class RNN32x4Steps10;

[Input(20, 8)]
[RNN(32, numLayers: 4), LastStep, Linear(10)]
public partial class RNN32x4Steps20;

[Input(50, 8)]
[RNN(32, numLayers: 4), LastStep, Linear(10)]
public partial class RNN32x4Steps50;

[Input(100, 8)]
[RNN(32, numLayers: 4), LastStep, Linear(10)]
public partial class RNN32x4Steps100;

[Input(10, 8)]
[RNN(32), RNN(32), LastStep, Linear(10)]
public partial class RNN32x2Steps10Split;

[Input(20, 8)]
[RNN(16), RNN(16), RNN(16), LastStep, Linear(10)]
public partial class RNN16x3Steps20Split;

[Input(5, 8)]
[LSTM(32, numLayers: 2), LastStep, Linear(10)]
public partial class LSTM32x2Steps5;

[Input(10, 8)]
[LSTM(32, numLayers: 2), LastStep, Linear(10)]
public partial class LSTM32x2Steps10;

[Input(20, 8)]
[LSTM(32, numLayers: 2), LastStep, Linear(10)]
public partial class LSTM32x2Steps20;

[Input(30, 8)]
[LSTM(32, numLayers: 2), LastStep, Linear(10)]
public partial class LSTM32x2Steps30;

[Input(5, 8)]
[LSTM(32, numLayers: 3), LastStep, Linear(10)]
public partial class LSTM32x3Steps5;

[Input(10, 8)]
[LSTM(32, numLayers: 3), LastStep, Linear(10)]
public partial class LSTM32x3Steps10;

[Input(20, 8)]
[LSTM(32, numLayers: 3), LastStep, Linear(10)]
public partial class LSTM32x3Steps20;

[Input(30, 8)]
[LSTM(32, numLayers: 3), LastStep, Linear(10)]
public partial class LSTM32x3Steps30;

[Input(5, 8)]
[LSTM(32, numLayers: 4), LastStep, Linear(10)]
public partial class LSTM32x4Steps5;

[Input(10, 8)]
[LSTM(32, numLayers: 4), LastStep, Linear(10)]
public partial class LSTM32x4Steps10;

[Input(20, 8)]
[LSTM(32, numLayers: 4), LastStep, Linear(10)]
public partial class LSTM32x4Steps20;

[Input(30, 8)]
[LSTM(32, numLayers: 4), LastStep, Linear(10)]
public partial class LSTM32x4Steps30;

[Input(5, 8)]
[GRU(32, numLayers: 2), LastStep, Linear(10)]
public partial class GRU32x2Steps5;

[Input(10, 8)]
[GRU(32, numLayers: 2), LastStep, Linear(10)]
public partial class GRU32x2Steps10;

[Input(20, 8)]
[GRU(32, numLayers: 2), LastStep, Linear(10)]
public partial class GRU32x2Steps20;

[Input(30, 8)]
[GRU(32, numLayers: 2), LastStep, Linear(10)]
public partial class GRU32x2Steps30;

[Input(5, 8)]
[GRU(32, numLayers: 3), LastStep, Linear(10)]
public partial class GRU32x3Steps5;

[Input(10, 8)]
[GRU(32, numLayers: 3), LastStep, Linear(10)]
public partial class GRU32x3Steps10;

[Input(20, 8)]
[GRU(32, numLayers: 3), LastStep, Linear(10)]
public partial class GRU32x3Steps20;

[Input(30, 8)]
[GRU(32, numLayers: 3), LastStep, Linear(10)]
public partial class GRU32x3Steps30;

[Input(5, 8)]
[GRU(32, numLayers: 4), LastStep, Linear(10)]
public partial class GRU32x4Steps5;

[Input(10, 8)]
[GRU(32, numLayers: 4), LastStep, Linear(10)]
public partial class GRU32x4Steps10;

[Input(20, 8)]
[GRU(32, numLayers: 4), LastStep, Linear(10)]
public partial class GRU32x4Steps20;

[Input(30, 8)]
[GRU(32, numLayers: 4), LastStep, Linear(10)]
public partial class GRU32x4Steps30;

[Input(10, 8)]
[LSTM(16), LSTM(16), LSTM(16), LastStep, Linear(10)]
public partial class LSTM16x3Steps10Split;

[Input(20, 8)]
[GRU(64), GRU(64), LastStep, Linear(10)]
public partial class GRU64x2Steps20Split;

