/*
 * ltype.h - the layer types Darknet builds, for the cfg's section table
 * (cfgkeys.h) and the net (net.h).  dm_ltype_name() (net.h) gives their
 * names.
 */
#ifndef DM_LTYPE_H
#define DM_LTYPE_H

#define DM_LAYER_TYPES(X)					\
	X(DM_L_CONV,		"convolutional")		\
	X(DM_L_DECONV,		"deconvolutional")		\
	X(DM_L_CONNECTED,	"connected")			\
	X(DM_L_LOCAL,		"local")			\
	X(DM_L_BATCHNORM,	"batchnorm")			\
	X(DM_L_SHORTCUT,	"shortcut")			\
	X(DM_L_IMPLICIT,	"implicit")			\
	X(DM_L_RNN,		"rnn")				\
	X(DM_L_GRU,		"gru")				\
	X(DM_L_LSTM,		"lstm")				\
	X(DM_L_CRNN,		"crnn")				\
	X(DM_L_CONV_LSTM,	"conv_lstm")			\
	X(DM_L_HISTORY,		"history")			\
	X(DM_L_MAXPOOL,		"maxpool")			\
	X(DM_L_LOCAL_AVGPOOL,	"local_avgpool")		\
	X(DM_L_AVGPOOL,		"avgpool")			\
	X(DM_L_ROUTE,		"route")			\
	X(DM_L_UPSAMPLE,	"upsample")			\
	X(DM_L_REORG,		"reorg")			\
	X(DM_L_REORG3D,		"reorg3d")			\
	X(DM_L_SCALE_CHANNELS,	"scale_channels")		\
	X(DM_L_SAM,		"sam")				\
	X(DM_L_DROPOUT,		"dropout")			\
	X(DM_L_ACTIVATION,	"activation")			\
	X(DM_L_LOGISTIC,	"logistic")			\
	X(DM_L_L2NORM,		"l2norm")			\
	X(DM_L_NORMALIZATION,	"normalization")		\
	X(DM_L_CROP,		"crop")				\
	X(DM_L_SOFTMAX,		"softmax")			\
	X(DM_L_COST,		"cost")				\
	X(DM_L_YOLO,		"yolo")				\
	X(DM_L_GAUSSIAN_YOLO,	"Gaussian_yolo")		\
	X(DM_L_REGION,		"region")			\
	X(DM_L_DETECTION,	"detection")			\
	X(DM_L_ISEG,		"iseg")				\
	X(DM_L_CONTRASTIVE,	"contrastive")			\
	X(DM_L_EMPTY,		"empty")			\
	X(DM_L_UNKNOWN,		"unknown")

enum dm_ltype {
#define DM_LTYPE_ENUM(e, s) e,
	DM_LAYER_TYPES(DM_LTYPE_ENUM)
#undef DM_LTYPE_ENUM
	DM_L_NTYPES
};

#endif /* DM_LTYPE_H */
