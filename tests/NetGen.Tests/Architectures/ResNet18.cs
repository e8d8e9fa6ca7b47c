using NetGen;

namespace NetGen.Tests.Architectures;

// torchvision's ResNet-18 (He et al., 2016) declared with NetGen attributes, for 64x64 images: every block's
// layers are named as in torchvision's BasicBlock (conv1, bn1, conv2, bn2), a downsampling block's projection is
// registered inside it as downsample, and the stem and head keep torchvision's names (conv1, bn1, fc), so a
// torchvision state dict loads through a rename of layer{s}.{i} to res{k} and downsample.{0,1} to downsample.{conv1,bn1}.
// NetGen shapes are fixed per network, so each stage's blocks state their feature-map size.

/// <summary>BasicBlock at 64 channels, 16x16: conv3x3, BN, ReLU, conv3x3, BN.</summary>
[Input(64, 16, 16), Conv2d(64, 3, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(64, 3, padding: 1, Bias = false), BatchNorm]
public partial class Basic64;

/// <summary>The first block of stage 2: stride 2 to 128 channels, 8x8.</summary>
[Input(64, 16, 16), Conv2d(128, 3, stride: 2, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(128, 3, padding: 1, Bias = false), BatchNorm]
public partial class Down128;

/// <summary>Its projection shortcut: conv1x1 with stride 2, BN.</summary>
[Input(64, 16, 16), Conv2d(128, 1, stride: 2, Bias = false), BatchNorm]
public partial class Project128;

/// <summary>BasicBlock at 128 channels, 8x8.</summary>
[Input(128, 8, 8), Conv2d(128, 3, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(128, 3, padding: 1, Bias = false), BatchNorm]
public partial class Basic128;

/// <summary>The first block of stage 3: stride 2 to 256 channels, 4x4.</summary>
[Input(128, 8, 8), Conv2d(256, 3, stride: 2, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(256, 3, padding: 1, Bias = false), BatchNorm]
public partial class Down256;

/// <summary>Its projection shortcut.</summary>
[Input(128, 8, 8), Conv2d(256, 1, stride: 2, Bias = false), BatchNorm]
public partial class Project256;

/// <summary>BasicBlock at 256 channels, 4x4.</summary>
[Input(256, 4, 4), Conv2d(256, 3, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(256, 3, padding: 1, Bias = false), BatchNorm]
public partial class Basic256;

/// <summary>The first block of stage 4: stride 2 to 512 channels, 2x2.</summary>
[Input(256, 4, 4), Conv2d(512, 3, stride: 2, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(512, 3, padding: 1, Bias = false), BatchNorm]
public partial class Down512;

/// <summary>Its projection shortcut.</summary>
[Input(256, 4, 4), Conv2d(512, 1, stride: 2, Bias = false), BatchNorm]
public partial class Project512;

/// <summary>BasicBlock at 512 channels, 2x2.</summary>
[Input(512, 2, 2), Conv2d(512, 3, padding: 1, Bias = false), BatchNorm, ReLU, Conv2d(512, 3, padding: 1, Bias = false), BatchNorm]
public partial class Basic512;

/// <summary>ResNet-18: stem, four stages of two residual blocks (ReLU after each addition), global average pool, fc.</summary>
[Input(3, 64, 64)]
[Conv2d(64, 7, stride: 2, padding: 3, Bias = false), BatchNorm, ReLU, MaxPool2d(3, stride: 2, padding: 1)]
[Residual(typeof(Basic64)), ReLU, Residual(typeof(Basic64)), ReLU]
[Residual(typeof(Down128), Shortcut = typeof(Project128)), ReLU, Residual(typeof(Basic128)), ReLU]
[Residual(typeof(Down256), Shortcut = typeof(Project256)), ReLU, Residual(typeof(Basic256)), ReLU]
[Residual(typeof(Down512), Shortcut = typeof(Project512)), ReLU, Residual(typeof(Basic512)), ReLU]
[AdaptiveAvgPool2d(1), Flatten, Linear(1000, Name = "fc")]
public partial class ResNet18;
